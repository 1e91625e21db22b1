/** Runs a command-line entry point: a thrown error prints its message (and the usage) and exits 1. */
export async function runMain(usage: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message}`);
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`\nusage: ${usage}`);
    }
    process.exitCode = 1;
  }
}
