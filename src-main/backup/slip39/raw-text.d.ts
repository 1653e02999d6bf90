// The word list is a data file bundled as text: Vite (the build and vitest) resolves `?raw`
// imports to the file's contents, so the bundled CLI and app need no file beside them.
declare module '*.txt?raw' {
  const text: string;
  export default text;
}
