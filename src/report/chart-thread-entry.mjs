// The chart thread starts here when run from the sources (vitest, tsx): register tsx, then load the TypeScript
// (loader hooks of the parent thread do not carry over to worker threads).
import { register } from "tsx/esm/api";

register();
await import("./chart-thread.ts");
