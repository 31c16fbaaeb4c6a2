/** The filter a `$share/<group>/<filter>` subscription matches topics with (MQTT 5 §4.8.2). */
export function unshared(filter: string): string {
  return filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
}

/** Whether an MQTT topic filter (+, #, optionally $share/<group>/) matches a topic (MQTT 3.1.1 §4.7). */
export function filterMatches(filter: string, topic: string): boolean {
  const f = unshared(filter).split('/');
  const t = topic.split('/');
  // §4.7.2: wildcards at the first level do not match topics starting with $.
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
