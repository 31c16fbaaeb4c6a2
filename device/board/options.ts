/**
 * Fitting options of the board (docs/hardware.md "Ethernet option"). Rev 1 fits no W5500: every
 * usable GPIO is taken, so the setup portal offers Wi-Fi only. Pins of an option go to
 * schematics/board.netlist.ts and from there into pins.ts, like every other pin.
 */
export const BOARD_OPTIONS = Object.freeze({
  /** W5500 Ethernet on SPI (ESP-IDF esp_eth through the SDK's ethernet module). */
  ethernetW5500: false,
});
