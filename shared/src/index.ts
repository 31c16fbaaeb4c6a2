export * from './protocol/schema';
export * from './protocol/topics';
export * from './protocol/metrics';
export * from './protocol/messages';
export * from './protocol/time';
export * from './protocol/codec';
export * from './protocol/signed';
export * from './utf8';
