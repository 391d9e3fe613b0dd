/** The request segment byte layout: every entry reads back exactly; anything else is refused, never thrown. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeSegment } from "../../src/claim/request-segment";

const request = fc.record({
  headers: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), { maxKeys: 5 }),
  body: fc.uint8Array({ maxLength: 300 }),
});

describe("request segments", () => {
  it("reads every entry back as written", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 20 }), (requests) => {
        const segment = encodeSegment(requests);
        requests.forEach((written, index) => {
          const read = decodeEntry(segment, index);
          expect(read?.headers).toEqual(written.headers);
          expect([...(read?.body ?? [])]).toEqual([...written.body]);
        });
        expect(decodeEntry(segment, requests.length)).toBeNull();
      }),
    );
  });

  it("refuses truncated or foreign bytes and bad indexes with null", () => {
    const segment = encodeSegment([{ headers: { a: "b" }, body: new Uint8Array([1, 2, 3]) }]);
    expect(decodeEntry(segment.subarray(0, segment.byteLength - 1), 0)).toBeNull();
    expect(decodeEntry(new Uint8Array([0, 0]), 0)).toBeNull();
    expect(decodeEntry(segment, -1)).toBeNull();
    expect(decodeEntry(segment, 0.5)).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(4), (bytes, index) => {
        expect(() => decodeEntry(bytes, index)).not.toThrow();
      }),
    );
  });
});
