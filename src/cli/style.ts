/**
 * Terminal styling: colours only on a TTY, and never when NO_COLOR is set. A module of its own so that
 * `validate`, which prints only "valid" lines, loads neither the summary's formatting nor report code.
 */
export function styler(stream: NodeJS.WriteStream) {
  const enabled = stream.isTTY === true && !process.env.NO_COLOR;
  const wrap = (code: number) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { bold: wrap(1), dim: wrap(2), red: wrap(31), green: wrap(32), yellow: wrap(33) };
}
