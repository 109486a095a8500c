import { ForbiddenError, NotFoundError, ScimError, UnauthorizedError } from '../scim/errors.js';

/**
 * What the admin API's edge needs to tell apart: one class per missing thing, so it can answer with
 * a stable code. They extend the SCIM errors, so the CLI and any catch of ScimError still see them.
 */
export class TenantNotFoundError extends NotFoundError {}
export class DirectoryNotFoundError extends NotFoundError {}
export class TokenNotFoundError extends NotFoundError {}
export class ApiKeyNotFoundError extends NotFoundError {}
export class UserNotFoundError extends NotFoundError {}
export class GroupNotFoundError extends NotFoundError {}
export class AccountMatchNotFoundError extends NotFoundError {}

/** 409: the change conflicts with the current state (an account match that was already decided). */
export class ConflictError extends ScimError {
  constructor(detail: string) {
    super(409, detail);
  }
}

/** The operator API key is missing, unknown or revoked. */
export class ApiKeyRejectedError extends UnauthorizedError {}

/** A tenant-limited API key asked for something that spans tenants (create a tenant, purge all logs). */
export class TenantLimitedKeyError extends ForbiddenError {}
