// The Redis URL a coordinator or worker is given: checked before anything connects, shown with its password masked.
import { closestMatch } from "../scenario/issues.js";

export interface RedisTarget {
  /** The URL as given, for connecting. */
  url: string;
  /** The URL with any password replaced by ***, for messages and logs. */
  shown: string;
}

const EXAMPLE = "redis://host:6379, rediss://:password@host:6380/0";

/** Parses a redis:// or rediss:// URL; a string says what is wrong with it. */
export function parseRedisUrl(text: string): RedisTarget | string {
  let url: URL;
  try {
    // "host:6379" parses as a URL of scheme "host:": without "://" it is no URL the user meant.
    if (!text.includes("://")) throw new TypeError("no scheme");
    url = new URL(text);
  } catch {
    // A password may sit in text that is no URL: mask what looks like one before quoting it.
    return `expected a Redis URL like ${EXAMPLE}; found ${JSON.stringify(text.replace(/:[^:@/]*@/, ":***@"))}`;
  }
  const shown = maskPassword(url);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    const scheme = url.protocol.replace(/:$/, "");
    const suggestion = closestMatch(scheme, ["redis", "rediss"]) ?? "redis";
    return `expected the scheme redis:// or rediss://; found ${scheme}:// in ${shown} (did you mean ${suggestion}://?)`;
  }
  if (url.hostname === "") return `expected a host in the Redis URL, e.g. ${EXAMPLE}; found ${shown}`;
  const database = url.pathname.replace(/^\//, "");
  if (database !== "" && !/^\d{1,2}$/.test(database)) {
    return `expected a database number after the host (redis://host:6379/0); found /${database} in ${shown}`;
  }
  return { url: text, shown };
}

/** The URL with its password (if any) as ***. */
export function maskPassword(url: URL): string {
  if (url.password === "") return url.href;
  const masked = new URL(url.href);
  masked.password = "***";
  return masked.href;
}
