/**
 * CRC-64/XZ (ECMA-182 polynomial, reflected, init and final XOR all ones): the `crc64` SMH and COS report, as an
 * unsigned decimal string. Computed in two 32-bit halves, so it runs at stream speed without BigInt per byte.
 */
const POLY_HI = 0xc96c5795
const POLY_LO = 0xd7870f42
const T_HI = new Uint32Array(256)
const T_LO = new Uint32Array(256)
for (let i = 0; i < 256; i++) {
  let hi = 0
  let lo = i
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
    hi = hi >>> 1
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0
      lo = (lo ^ POLY_LO) >>> 0
    }
  }
  T_HI[i] = hi
  T_LO[i] = lo
}

export class Crc64 {
  private hi = 0xffffffff
  private lo = 0xffffffff

  update(chunk: Uint8Array): this {
    let hi = this.hi
    let lo = this.lo
    for (let i = 0; i < chunk.length; i++) {
      const idx = (lo ^ chunk[i]) & 0xff
      lo = (((lo >>> 8) | (hi << 24)) ^ T_LO[idx]) >>> 0
      hi = ((hi >>> 8) ^ T_HI[idx]) >>> 0
    }
    this.hi = hi
    this.lo = lo
    return this
  }

  /** The checksum so far as an unsigned decimal string. */
  digest(): string {
    const hi = (this.hi ^ 0xffffffff) >>> 0
    const lo = (this.lo ^ 0xffffffff) >>> 0
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString()
  }
}

export function crc64(data: Uint8Array | string): string {
  return new Crc64().update(typeof data === 'string' ? Buffer.from(data) : data).digest()
}
