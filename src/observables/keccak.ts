// Keccak-f[1600] on pairs of 32-bit words (lane k: low word 2k, high word 2k+1). Node's crypto has
// SHA-3, whose padding differs, but not the original Keccak-256 that Ethereum (EIP-55) uses.

const ROUND_LO = new Uint32Array(24);
const ROUND_HI = new Uint32Array(24);
const RHO = new Uint8Array(25);
const PI = new Uint8Array(25); // destination lane of each source lane

// Constants derived as the Keccak reference does (LFSR round constants, rho offsets along the
// (x, y) → (y, 2x + 3y) walk), which leaves no hand-copied table to mistype.
(function init() {
  let lfsr = 1;
  for (let i = 0; i < 24; i++) {
    for (let j = 0; j < 7; j++) {
      const bit = (1 << j) - 1;
      if (lfsr & 1) {
        if (bit < 32) ROUND_LO[i]! ^= 1 << bit;
        else ROUND_HI[i]! ^= 1 << (bit - 32);
      }
      lfsr = lfsr & 0x80 ? ((lfsr << 1) ^ 0x71) & 0xff : (lfsr << 1) & 0xff;
    }
  }
  let x = 1;
  let y = 0;
  for (let t = 0; t < 24; t++) {
    RHO[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  for (let sx = 0; sx < 5; sx++) for (let sy = 0; sy < 5; sy++) PI[sx + 5 * sy] = sy + 5 * ((2 * sx + 3 * sy) % 5);
})();

function permute(s: Uint32Array, c: Uint32Array, b: Uint32Array): void {
  for (let round = 0; round < 24; round++) {
    for (let x = 0; x < 5; x++) {
      c[2 * x] = s[2 * x]! ^ s[2 * x + 10]! ^ s[2 * x + 20]! ^ s[2 * x + 30]! ^ s[2 * x + 40]!;
      c[2 * x + 1] = s[2 * x + 1]! ^ s[2 * x + 11]! ^ s[2 * x + 21]! ^ s[2 * x + 31]! ^ s[2 * x + 41]!;
    }
    for (let x = 0; x < 5; x++) {
      const n = ((x + 1) % 5) * 2;
      const p = ((x + 4) % 5) * 2;
      const dLo = c[p]! ^ ((c[n]! << 1) | (c[n + 1]! >>> 31));
      const dHi = c[p + 1]! ^ ((c[n + 1]! << 1) | (c[n]! >>> 31));
      for (let y = 0; y < 25; y += 5) {
        s[2 * (x + y)]! ^= dLo;
        s[2 * (x + y) + 1]! ^= dHi;
      }
    }
    for (let lane = 0; lane < 25; lane++) {
      const lo = s[2 * lane]!;
      const hi = s[2 * lane + 1]!;
      const r = RHO[lane]!;
      const d = 2 * PI[lane]!;
      if (r === 0) {
        b[d] = lo;
        b[d + 1] = hi;
      } else if (r < 32) {
        b[d] = (lo << r) | (hi >>> (32 - r));
        b[d + 1] = (hi << r) | (lo >>> (32 - r));
      } else if (r === 32) {
        b[d] = hi;
        b[d + 1] = lo;
      } else {
        const m = r - 32;
        b[d] = (hi << m) | (lo >>> (32 - m));
        b[d + 1] = (lo << m) | (hi >>> (32 - m));
      }
    }
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        const i = 2 * (x + y);
        const i1 = 2 * (((x + 1) % 5) + y);
        const i2 = 2 * (((x + 2) % 5) + y);
        s[i] = b[i]! ^ (~b[i1]! & b[i2]!);
        s[i + 1] = b[i + 1]! ^ (~b[i1 + 1]! & b[i2 + 1]!);
      }
    }
    s[0]! ^= ROUND_LO[round]!;
    s[1]! ^= ROUND_HI[round]!;
  }
}

/** A 256-bit Keccak sponge over bytes with the given domain padding byte (0x01 Keccak, 0x06 SHA-3). */
export function keccakSponge256(data: Uint8Array, padding: number): Uint8Array {
  const rate = 136;
  const s = new Uint32Array(50);
  const c = new Uint32Array(10);
  const b = new Uint32Array(50);
  const blocks = Math.floor(data.length / rate) + 1;
  for (let block = 0; block < blocks; block++) {
    const offset = block * rate;
    const last = block === blocks - 1;
    for (let i = 0; i < rate; i++) {
      let byte = offset + i < data.length ? data[offset + i]! : 0;
      if (last && offset + i === data.length) byte ^= padding;
      if (last && i === rate - 1) byte ^= 0x80;
      if (byte !== 0) s[2 * (i >> 3) + ((i & 7) >> 2)]! ^= byte << (8 * (i & 3));
    }
    permute(s, c, b);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = (s[2 * (i >> 3) + ((i & 7) >> 2)]! >>> (8 * (i & 3))) & 0xff;
  return out;
}

/**
 * Keccak-256 (the pre-standard padding Ethereum uses), as lower-case hex.
 * @example keccak256Hex(new Uint8Array()) // 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
 */
export function keccak256Hex(data: Uint8Array): string {
  return Buffer.from(keccakSponge256(data, 0x01)).toString('hex');
}
