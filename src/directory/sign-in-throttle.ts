import type { Store } from '../store/store.js';
import { now } from './clock.js';
import { SignInThrottledError } from './console-errors.js';
import { sha256Hex } from './secret-hash.js';

/** How many failed password sign-ins are allowed, per what, in how long. */
export interface SignInThrottlePolicy {
  /** Failures of one email from one address (a password guessed at). */
  readonly perOperatorAndAddress: number;
  /** Failures from one address, whatever the email (many accounts tried from one place). */
  readonly perAddress: number;
  readonly windowMinutes: number;
}

export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottlePolicy = {
  perOperatorAndAddress: 5,
  perAddress: 20,
  windowMinutes: 15,
};

/**
 * Operator password sign-ins, throttled: after too many failures of a key in its window, every
 * attempt of that key (a right password too) is refused until the window ends. The counts are in
 * the database, so every node sees the same ones. Per operator *and* address rather than per
 * operator alone, so that nobody can lock an operator out from elsewhere just by knowing the email.
 */
export class SignInThrottle {
  constructor(
    private readonly store: Store,
    private readonly policy: SignInThrottlePolicy = DEFAULT_SIGN_IN_THROTTLE,
  ) {}

  private keys(email: string, address: string) {
    return {
      pair: sha256Hex(`operator:${email.trim().toLowerCase()}|${address}`),
      address: sha256Hex(`address:${address}`),
    };
  }

  private windowStart(at: string): string {
    return new Date(Date.parse(at) - this.policy.windowMinutes * 60_000).toISOString();
  }

  /** Throws SignInThrottledError (with the seconds to wait) when either key used up its failures. */
  async check(email: string, address: string, at = now()): Promise<void> {
    const keys = this.keys(email, address);
    const limits = new Map([
      [keys.pair, this.policy.perOperatorAndAddress],
      [keys.address, this.policy.perAddress],
    ]);
    const counts = await this.store.repositories.console.signInFailures(
      [keys.pair, keys.address],
      this.windowStart(at),
    );
    const ends = counts
      .filter((c) => c.failures >= limits.get(c.keyHash)!)
      .map((c) => Date.parse(c.windowStarted) + this.policy.windowMinutes * 60_000);
    if (ends.length === 0) return;
    const seconds = Math.max(1, Math.ceil((Math.max(...ends) - Date.parse(at)) / 1000));
    throw new SignInThrottledError(
      `Too many failed sign-ins: try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}, or use a one-time sign-in link.`,
      seconds,
    );
  }

  async failed(email: string, address: string, at = now()): Promise<void> {
    const keys = this.keys(email, address);
    await this.store.repositories.console.addSignInFailure(
      [keys.pair, keys.address],
      at,
      this.windowStart(at),
    );
  }

  /** A right password clears its operator's count from that address (not the address's own). */
  async succeeded(email: string, address: string): Promise<void> {
    await this.store.repositories.console.clearSignInFailures(this.keys(email, address).pair);
  }

  /** Deletes windows that are over (the maintenance job). */
  async purge(at = now()): Promise<number> {
    return this.store.repositories.console.purgeSignInFailures(this.windowStart(at));
  }
}
