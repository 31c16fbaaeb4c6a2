/**
 * The two HTTP calls every rig makes: InfluxQL rows from InfluxDB 1.x, and a JSON REST call to the
 * backend with the rig's bearer token (docs/security.md, "REST tokens").
 */

export async function influxRows(
  fetchFn: typeof fetch,
  influxUrl: string,
  db: string,
  q: string,
): Promise<Record<string, unknown>[]> {
  const url = `${influxUrl}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`;
  const response = await fetchFn(url);
  const body = (await response.json()) as {
    results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[];
  };
  const result = body.results[0];
  if (result.error) throw new Error(`InfluxQL error: ${result.error}`);
  const rows: Record<string, unknown>[] = [];
  for (const series of result.series ?? []) {
    for (const values of series.values)
      rows.push(Object.fromEntries(series.columns.map((c, i) => [c, values[i]])));
  }
  return rows;
}

export async function restCall<T>(
  fetchFn: typeof fetch,
  rest: { url: string; token?: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetchFn(`${rest.url}${path}`, {
    method,
    headers: {
      ...(rest.token === undefined ? {} : { authorization: `Bearer ${rest.token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}
