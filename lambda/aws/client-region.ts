/** The Region an SDK client is configured for, for error messages; never throws. */
export async function clientRegion(client: { config: { region?: unknown } }): Promise<string> {
  try {
    const region = client.config.region;
    const value = typeof region === 'function' ? await (region as () => Promise<unknown>)() : region;
    return typeof value === 'string' && value !== '' ? value : 'an unknown Region';
  } catch {
    return 'an unknown Region';
  }
}
