/**
 * The request segment byte layout: every entry reads back exactly, only as the event it belongs to;
 * anything else is refused, never thrown.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeSegment } from "../../src/claim/request-segment";

const request = fc.record({
  key: fc.string({ maxLength: 40 }),
  headers: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), { maxKeys: 5 }),
  body: fc.uint8Array({ maxLength: 300 }),
});

describe("request segments", () => {
  it("reads every entry back as written", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 20 }), (requests) => {
        const segment = encodeSegment(requests);
        requests.forEach((written, index) => {
          const read = decodeEntry(segment, index, written.key);
          expect(read?.headers).toEqual(written.headers);
          expect([...(read?.body ?? [])]).toEqual([...written.body]);
        });
        expect(decodeEntry(segment, requests.length, requests[0]?.key ?? "")).toBeNull();
      }),
    );
  });

  it("keeps a header named __proto__ (fast-check found it dropped on the way back)", () => {
    const headers = Object.fromEntries([
      ["__proto__", "x"],
      ["a", "b"],
    ]);
    const segment = encodeSegment([{ key: "k", headers, body: new Uint8Array() }]);
    expect(Object.keys(decodeEntry(segment, 0, "k")?.headers ?? {})).toEqual(["__proto__", "a"]);
  });

  it("never gives an entry to another event: the key must match", () => {
    const segment = encodeSegment([
      { key: "generic:a", headers: {}, body: new Uint8Array([1]) },
      { key: "generic:b", headers: {}, body: new Uint8Array([2]) },
    ]);
    expect(decodeEntry(segment, 1, "generic:b")?.body).toEqual(new Uint8Array([2]));
    expect(decodeEntry(segment, 1, "generic:a")).toBeNull();
  });

  it("refuses truncated or foreign bytes and bad indexes with null", () => {
    const segment = encodeSegment([{ key: "k", headers: { a: "b" }, body: new Uint8Array([1, 2, 3]) }]);
    expect(decodeEntry(segment.subarray(0, segment.byteLength - 1), 0, "k")).toBeNull();
    expect(decodeEntry(new Uint8Array([0, 0]), 0, "k")).toBeNull();
    expect(decodeEntry(segment, -1, "k")).toBeNull();
    expect(decodeEntry(segment, 0.5, "k")).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(4), (bytes, index) => {
        expect(() => decodeEntry(bytes, index, "k")).not.toThrow();
      }),
    );
  });
});
