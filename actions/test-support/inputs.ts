/** Sets `INPUT_*` variables the way the runner does for the duration of a test. */
export function setInputs(inputs: Record<string, string>): () => void {
  const names = Object.keys(inputs).map(inputVariable);
  for (const [name, value] of Object.entries(inputs)) process.env[inputVariable(name)] = value;
  return () => {
    for (const name of names) delete process.env[name];
  };
}

/** `base-image` → `INPUT_BASE-IMAGE` (the runner keeps dashes, upper-cases, turns spaces into _). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}
