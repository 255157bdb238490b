/**
 * Live progress: a bar per step on a terminal, a line per step otherwise (CI
 * logs), so a long run always shows what it is doing.
 */
import cliProgress from 'cli-progress';

export class Progress {
  readonly #tty = Boolean(process.stderr.isTTY);
  #bar: cliProgress.SingleBar | undefined;
  #title = '';
  #lastLabel = '';
  #steps = 0;
  readonly #totalSteps: number;

  constructor(totalSteps: number) {
    this.#totalSteps = totalSteps;
  }

  /** A new step, e.g. "fanout · tidings-uws · 1000 subscribers". */
  step(title: string): void {
    this.done();
    this.#steps++;
    this.#title = `[${this.#steps}/${this.#totalSteps}] ${title}`;
    this.#lastLabel = '';
    if (this.#tty) {
      this.#bar = new cliProgress.SingleBar(
        { format: `${this.#title.padEnd(58)} {bar} {percentage}% {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, barsize: 24 },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(1, 0, { label: 'starting' });
    } else process.stderr.write(`${this.#title}\n`);
  }

  update(label: string, done: number, total: number): void {
    if (this.#bar) {
      this.#bar.setTotal(Math.max(1, total));
      this.#bar.update(done, { label: `${label} ${done}/${total}` });
    } else if (label !== this.#lastLabel) {
      process.stderr.write(`    ${label}…\n`);
    }
    this.#lastLabel = label;
  }

  /** Ends the current step with a one-line outcome. */
  done(outcome?: string): void {
    if (this.#bar) {
      this.#bar.update(this.#bar.getTotal(), { label: outcome ?? 'done' });
      this.#bar.stop();
      this.#bar = undefined;
    } else if (outcome) process.stderr.write(`    ${outcome}\n`);
  }

  note(text: string): void {
    this.done();
    process.stderr.write(`${text}\n`);
  }
}
