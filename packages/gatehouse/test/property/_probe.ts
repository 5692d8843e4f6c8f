import { createGatehouse } from '../../src/index.ts';
import { TestIssuer } from '../helpers/issuer.ts';

const issuer = await TestIssuer.start(['RS256', 'ES256', 'EdDSA']);
const gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
for (const alg of ['RS256', 'ES256', 'EdDSA']) {
  const t = await issuer.sign({}, { alg });
  const [h, p, s] = t.split('.');
  for (const variant of [
    `${h}.${p}.${s} `,
    `${h}.${p}.${s!.slice(0, 5)} ${s!.slice(5)}`,
    `${h}.${p}.${s}=`,
    `${h}.${p}.${s}==`,
    `${h}.${p}.${s}\n`,
    `${h}.${p}.\t${s}`,
    ` ${t}`,
  ]) {
    const r = await gh.verify(variant).then(
      () => 'ACCEPTED',
      (e: unknown) => (e as Error).message,
    );
    console.log(alg, JSON.stringify(variant.slice(-6)), r.slice(0, 80));
  }
}
gh.close();
await issuer.close();
