#!/usr/bin/env node
// `honnin` when installed as a package: runs the TypeScript entry directly (Node ≥ 22.18 strips types).
import '../src/main.ts';
