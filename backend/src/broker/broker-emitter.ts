import mqemitter, { MQEmitter } from 'mqemitter';

/**
 * The message bus inside the embedded aedes broker, without mqemitter's concurrency queue.
 *
 * Why: aedes' default emitter (concurrency 100) queues messages once 100 deliveries are pending (e.g.
 * the backend's socket is busy during a burst), and drains that queue by recursion: a queued message
 * that matches no subscriber completes synchronously and starts the next one on the same stack. A
 * few thousand such messages in a row — acks to meters that have not subscribed yet, `$SYS` client
 * notices, anyone publishing to an unsubscribed topic — overflow the stack (`RangeError: Maximum call
 * stack size exceeded` in qlobber), and the uncaught error took the whole backend down with it
 * (1,000 meters × window 8; issue 12, broker-emitter.spec.ts reproduces it).
 *
 * Without the queue nothing recurses, and memory is still bounded: aedes reads a connection's next
 * packets only after every packet of its previous read was delivered, so at most one socket read per
 * client is in flight, and a slow subscriber pushes back through TCP to the publishers.
 */
export function unqueuedEmitter(): MQEmitter {
  return mqemitter({ concurrency: 0, matchEmptyLevels: true }); // [MQTT-4.7.1-3], as aedes sets it
}
