// Camera scanning on the verification page, where the browser has a barcode
// detector (Chrome on Android, Safari on iOS 17+): the QR's text goes into the
// form, which is then sent as if pasted. Elsewhere the paste field remains.
(() => {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  const box = document.getElementById('scanner');
  const start = document.getElementById('scan-start');
  const video = document.getElementById('scan-video');
  const status = document.getElementById('scan-status');
  const field = document.getElementById('f-checkdata');
  const form = document.getElementById('verify-form');
  box.hidden = false;
  start.addEventListener('click', async () => {
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch {
      status.textContent =
        document.documentElement.lang === 'en' ? 'The camera is not available.' : 'カメラを使用できません。';
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    status.textContent =
      document.documentElement.lang === 'en'
        ? 'Point the camera at the QR code…'
        : '二次元コードにカメラを向けてください…';
    const tick = async () => {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) {
        for (const t of stream.getTracks()) t.stop();
        field.value = codes[0].rawValue;
        form.submit();
        return;
      }
      requestAnimationFrame(tick);
    };
    tick();
  });
})();
