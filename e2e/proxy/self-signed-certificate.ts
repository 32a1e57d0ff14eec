import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The PEM files of a certificate and its private key. */
export interface CertificateFiles {
  readonly certificate: string;
  readonly key: string;
}

/** Writes a throwaway self-signed certificate for 127.0.0.1 and localhost, valid for a day, into `dir` (openssl CLI). */
export function createSelfSignedCertificate(dir: string): CertificateFiles {
  const files = { certificate: join(dir, 'certificate.pem'), key: join(dir, 'key.pem') };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      files.key,
      '-out',
      files.certificate,
    ],
    { stdio: 'pipe' },
  );
  return files;
}
