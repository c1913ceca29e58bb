// Vite's import.meta.glob (resolved at transform time), as the fuzz test uses it
// to read the seed examples into the workerd test bundle.
interface ImportMeta {
  glob<T = unknown>(pattern: string, options: { query?: string; import?: string; eager: true }): Record<string, T>;
}
