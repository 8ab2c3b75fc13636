import { constants, crc32, deflateRawSync } from 'node:zlib';

const MiB = 1024 * 1024;

/** A MOJO's model.ini, enough to pass the gateway's checks. */
export const BOMB_MODEL_INI = new TextEncoder().encode(
  '[info]\nh2o_version = 3.46.0.11\nmojo_version = 1.40\nalgo = gbm\ncategory = Binomial\n\n[columns]\nx\n',
);

/**
 * A MOJO-shaped zip bomb, built without ever holding the inflated bytes: model.ini plus one
 * entry of `inflatedMiB` MiB of zeros, deflated to about 1 KiB per MiB. The entry's deflate
 * stream is one fully flushed block of 1 MiB of zeros repeated (each such block stands alone),
 * then an empty final block. `declaredBytes` is what the zip says the entry inflates to
 * (default: the truth); a smaller number makes a bomb that lies about its size.
 */
export function mojoZipBomb({
  inflatedMiB,
  declaredBytes = inflatedMiB * MiB,
}: {
  inflatedMiB: number;
  declaredBytes?: number;
}): Uint8Array {
  const zeros = new Uint8Array(MiB);
  const block = deflateRawSync(zeros, { finishFlush: constants.Z_FULL_FLUSH });
  const finalBlock = Uint8Array.of(0x03, 0x00);
  let crc = 0;
  for (let i = 0; i < inflatedMiB; i++) crc = crc32(zeros, crc);
  const bomb = Buffer.concat([...Array<Buffer>(inflatedMiB).fill(block), finalBlock]);
  return zipOf([
    {
      name: 'model.ini',
      method: 0,
      data: BOMB_MODEL_INI,
      size: BOMB_MODEL_INI.byteLength,
      crc: crc32(BOMB_MODEL_INI),
    },
    { name: 'trees/t00_000.bin', method: 8, data: bomb, size: declaredBytes, crc },
  ]);
}

interface ZipEntrySpec {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  /** The bytes as stored in the zip (compressed for method 8). */
  data: Uint8Array;
  /** The uncompressed size the zip declares. */
  size: number;
  crc: number;
}

/** A plain zip (no zip64) of entries whose stored bytes are given as they are. */
function zipOf(entries: ZipEntrySpec[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.byteLength, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.byteLength, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x800, 8);
    header.writeUInt16LE(e.method, 10);
    header.writeUInt32LE(e.crc >>> 0, 16);
    header.writeUInt32LE(e.data.byteLength, 20);
    header.writeUInt32LE(e.size, 24);
    header.writeUInt16LE(name.byteLength, 28);
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, Buffer.from(e.data));
    central.push(header, name);
    offset += 30 + name.byteLength + e.data.byteLength;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
