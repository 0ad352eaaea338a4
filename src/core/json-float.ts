/**
 * A JSON number that was written as a float ("1.0", "1e5", "-0.0", "1e400") but whose
 * value JavaScript cannot tell from an integer. QEMU keeps the distinction: an integer
 * argument given as 1.0 is refused ("expected: integer") and an echoed id prints as a
 * float. Protocol parsers wrap such numbers; schema checks unwrap them.
 * (Integers beyond 2^53 arrive as bigint, so they echo exactly.)
 */
export class JsonFloat {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }
}
