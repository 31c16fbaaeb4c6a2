import qrcode from 'qrcode-generator';

/**
 * What an installer's phone scans next to the typed code: the code and the backend it belongs to, as a
 * URI a setup app or the meter's portal can take apart (docs/commissioning.md).
 */
export function claimQrText(code: string, backendOrigin: string): string {
  return `dinmeter:claim?code=${encodeURIComponent(code)}&backend=${encodeURIComponent(backendOrigin)}`;
}

/** The QR code as a standalone SVG (error correction M: survives a smudged phone screen). */
export function qrSvg(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
}
