export * from './atm90e26.registers';
export * from './atm90e26.checksum';
export * from './atm90e26.calibration';
export * from './atm90e26.measurements';
export * from './atm90e26.energy';
export * from './atm90e26.driver';
