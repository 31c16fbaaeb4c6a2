export * from './ads131m08.driver';
export * from './ads131m08.registers';
export { crc16Ccitt } from './ads131m08.crc';
