import { ForbiddenError, NotFoundError, ScimError, UnauthorizedError } from '../scim/errors.js';

/**
 * Why the console turned someone away. The messages are written for the person signing in and say
 * no more than they may know: a wrong password and an unknown email read the same.
 */
export class SignInRefusedError extends UnauthorizedError {}

/** Signed in, but not allowed here: a user without a console role, a tenant admin on an operator page. */
export class ConsoleAccessDeniedError extends ForbiddenError {}

/** A provisioning-log entry that is not in the directory named. */
export class LogEntryNotFoundError extends NotFoundError {}

/** Too many failed password sign-ins from here: refused until `retryAfterSeconds` have passed. */
export class SignInThrottledError extends ScimError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, detail);
  }
}
