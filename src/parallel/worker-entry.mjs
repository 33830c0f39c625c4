// Worker threads start here: register tsx, then load the TypeScript worker (hooks from the parent thread do not carry over).
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
