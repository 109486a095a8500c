/**
 * SCIM errors (RFC 7644 §3.12). The protocol core throws these; the HTTP edge renders them.
 * One class per scimType so callers can catch what they can handle.
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  /** RFC 9865 §4 */
  | 'invalidCursor'
  | 'expiredCursor';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class InvalidFilterError extends ScimError {
  constructor(detail: string) {
    super(400, detail, 'invalidFilter');
  }
}
export class TooManyError extends ScimError {
  constructor(detail: string) {
    super(400, detail, 'tooMany');
  }
}
export class UniquenessError extends ScimError {
  constructor(detail: string) {
    super(409, detail, 'uniqueness');
  }
}
export class MutabilityError extends ScimError {
  constructor(detail: string) {
    super(400, detail, 'mutability');
  }
}
export class InvalidSyntaxError extends ScimError {
  constructor(detail: string) {
    super(400, detail, 'invalidSyntax');
  }
}
export class InvalidPathError extends ScimError {
  constructor(detail: string) {
    super(400, detail, 'invalidPath');
  }
}
export class NoTargetError extends ScimError {
  constructor(detail: string) {
    super(400, detail, 'noTarget');
  }
}
export class InvalidValueError extends ScimError {
  constructor(detail: string) {
    super(400, detail, 'invalidValue');
  }
}
export class NotFoundError extends ScimError {
  constructor(detail: string) {
    super(404, detail);
  }
}
export class PreconditionFailedError extends ScimError {
  constructor(detail: string) {
    super(412, detail);
  }
}
export class UnauthorizedError extends ScimError {
  constructor(detail: string) {
    super(401, detail);
  }
}
export class ForbiddenError extends ScimError {
  constructor(detail: string) {
    super(403, detail);
  }
}
export class PayloadTooLargeError extends ScimError {
  constructor(detail: string) {
    super(413, detail);
  }
}
