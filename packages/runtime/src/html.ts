/** Text made safe inside HTML elements and quoted attribute values (& < > " ' as character references). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
