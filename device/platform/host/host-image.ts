/**
 * What a virtual meter's "firmware image" is: the virtual meter runs the same core whatever the
 * slot holds, so an image is a first line of JSON saying how this image behaves, then any bytes
 * (padding to a realistic size). `network: false` plays an image that boots but never reaches
 * the backend (docs/ota.md, the rollback scenario). No header: a normal image.
 */
export interface HostImageBehaviour {
  network: boolean;
}

const TAG = 'dinmeter-vm-image';

export function hostImage(behaviour: HostImageBehaviour, paddingBytes = 0): Uint8Array {
  const header = new TextEncoder().encode(`${JSON.stringify({ [TAG]: 1, ...behaviour })}\n`);
  const image = new Uint8Array(header.length + paddingBytes);
  image.set(header);
  for (let i = header.length; i < image.length; i++) image[i] = (i * 131) & 0xff;
  return image;
}

export function hostImageBehaviour(image: Uint8Array): HostImageBehaviour {
  const newline = image.indexOf(0x0a);
  if (newline < 0 || newline > 200) return { network: true };
  try {
    const header = JSON.parse(new TextDecoder().decode(image.subarray(0, newline))) as Record<string, unknown>;
    return header[TAG] === 1 ? { network: header.network !== false } : { network: true };
  } catch {
    return { network: true };
  }
}
