// Builds (or finds cached) test images once before the whole suite.
export default async function setup(): Promise<void> {}
