// ota-flash.native.js: the OTA app slots as raw flash, C host functions (Moddable builds only).
import type { SlotFlash } from './firmware-slots.adapter';

declare const otaFlash: SlotFlash;
export default otaFlash;
