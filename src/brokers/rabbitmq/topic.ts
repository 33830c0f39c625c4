/**
 * AMQP 0-9-1 topic matching, as RabbitMQ's topic exchange does it. Keys are
 * dot-separated words; the empty key has no words, and an empty word between
 * two dots is a word (rabbit_db_topic_exchange:split_topic_key). In a binding
 * pattern a word that is exactly `*` stands for one word and `#` for zero or
 * more; anything else, `a*` included, must equal the word.
 */
export function topicWords(key: string): string[] {
  return key === "" ? [] : key.split(".");
}

/** Whether the binding `pattern` matches `routingKey`. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const words = topicWords(routingKey);
  // reachable[j]: the pattern words read so far can match exactly the first j words of the key.
  let reachable = new Uint8Array(words.length + 1);
  reachable[0] = 1;
  for (const token of topicWords(pattern)) {
    const next = new Uint8Array(words.length + 1);
    if (token === "#") {
      // Zero or more words: from the first reachable position on, every position is.
      let seen = 0;
      for (let j = 0; j <= words.length; j++) {
        seen |= reachable[j]!;
        next[j] = seen;
      }
    } else {
      for (let j = 0; j < words.length; j++) {
        if (reachable[j] === 1 && (token === "*" || token === words[j])) next[j + 1] = 1;
      }
    }
    reachable = next;
  }
  return reachable[words.length] === 1;
}
