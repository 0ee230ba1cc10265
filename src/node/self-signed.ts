/**
 * A self-signed certificate made in process (an ECDSA P-256 key, X.509 v3 written out in DER), for the HTTPS
 * front of src/node/tls-front.ts: Node can make keys and sign, but has no API that writes a certificate, and
 * shipping a fixed key would put the same private key on every machine.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'

/** A DER element: its tag, its length, its contents. */
function der(tag: number, ...contents: readonly Buffer[]): Buffer {
  const body = Buffer.concat(contents)
  const n = body.length
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([tag, ...length]), body])
}

const sequence = (...contents: readonly Buffer[]): Buffer => der(0x30, ...contents)

function objectId(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes = [40 * first + second]
  for (const arc of rest) {
    const base128 = [arc & 0x7f]
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift((value & 0x7f) | 0x80)
    bytes.push(...base128)
  }
  return der(0x06, Buffer.from(bytes))
}

/** A UTCTime (YYMMDDHHMMSSZ), for dates before 2050 as RFC 5280 asks. */
const utcTime = (date: Date): Buffer => der(0x17, Buffer.from(date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'))

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const COMMON_NAME = '2.5.4.3'
const SUBJECT_ALT_NAME = '2.5.29.17'
const DAY_MS = 86_400_000

export interface SelfSigned {
  /** The certificate, PEM. */
  readonly cert: string
  /** Its private key, PKCS #8 PEM. */
  readonly key: string
}

/** A certificate for `localhost` and 127.0.0.1, valid from a day ago for `days` days. */
export function selfSignedCertificate(days = 30, now = new Date()): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const name = sequence(der(0x31, sequence(objectId(COMMON_NAME), der(0x0c, Buffer.from('tokensim')))))
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f // a positive INTEGER
  const altNames = sequence(der(0x82, Buffer.from('localhost')), der(0x87, Buffer.from([127, 0, 0, 1])))
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    sequence(objectId(ECDSA_WITH_SHA256)),
    name,
    sequence(utcTime(new Date(now.getTime() - DAY_MS)), utcTime(new Date(now.getTime() + days * DAY_MS))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, sequence(sequence(objectId(SUBJECT_ALT_NAME), der(0x04, altNames)))),
  )
  const signature = sign('sha256', tbs, privateKey) // DER-encoded ECDSA, as X.509 carries it
  const certificate = sequence(tbs, sequence(objectId(ECDSA_WITH_SHA256)), der(0x03, Buffer.from([0]), signature))
  const lines = certificate.toString('base64').match(/.{1,64}/g) ?? []
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}
