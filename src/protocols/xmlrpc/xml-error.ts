/**
 * A malformed or refused XML document. Its message follows expat's wording where expat
 * has one, because Python clients of vt_agent have seen those texts in faults.
 */
export class XmlError extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
  ) {
    super(`${problem}: at character ${offset}`);
    this.name = 'XmlError';
  }
}
