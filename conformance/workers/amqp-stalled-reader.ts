/**
 * An AMQP consumer that stops reading its socket on its first delivery: it reports
 * {type: "received", id} and freezes itself (SIGSTOP) at once, before Node reads more from the
 * socket, so the broker can push only what the socket buffers hold. The parent kills it.
 */
import { connect } from "amqplib";
import { fail, handleStop, report, workerOptions } from "./protocol.js";

interface Options {
  url: string;
  queue: string;
  /** basic.qos prefetch_count; 0 = unlimited. */
  prefetch: number;
  autoAck: boolean;
}

const options = workerOptions<Options>();

async function main(): Promise<void> {
  const connection = await connect(options.url);
  const channel = await connection.createChannel();
  await channel.prefetch(options.prefetch);
  handleStop(() => connection.close());
  // Ready before consuming: the first delivery freezes it at once.
  report({ type: "ready" });
  let first = true;
  await channel.consume(
    options.queue,
    (message) => {
      if (message === null || !first) return;
      first = false;
      report({ type: "received", id: message.content.toString() });
      process.kill(process.pid, "SIGSTOP");
    },
    { noAck: options.autoAck },
  );
}

main().catch(fail);
