/** Vite's `?raw` imports (used to read docs tables in tests). */
declare module "*?raw" {
  const content: string;
  export default content;
}
