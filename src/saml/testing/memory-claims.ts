/**
 * In-memory stand-ins for the two stores the validator asks (issued request IDs, used assertion IDs),
 * with the semantics the database versions must have: each claim succeeds once. Test support only.
 */
export class MemoryClaims {
  private readonly requests = new Set<string>();
  private readonly assertions = new Set<string>();

  /** What the login route does when it sends an AuthnRequest. */
  issue(requestId: string): void {
    this.requests.add(requestId);
  }

  readonly claimRequestId = async (requestId: string): Promise<boolean> => this.requests.delete(requestId);

  readonly claimAssertionId = async (assertion: { id: string }): Promise<boolean> => {
    if (this.assertions.has(assertion.id)) return false;
    this.assertions.add(assertion.id);
    return true;
  };
}
