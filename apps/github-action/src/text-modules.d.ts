// esbuild bundles these files as their text (`loader: { '.yaml': 'text' }` in bundle.ts).
declare module '*.yaml' {
  const text: string;
  // biome-ignore lint/style/noDefaultExport: esbuild's text loader provides the content as the default export
  export default text;
}
