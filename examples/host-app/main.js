// Runs the example host app:
//   ROLLCALL_ISSUER=http://127.0.0.1:8080/oidc CLIENT_ID=… CLIENT_SECRET=rco_… node examples/host-app/main.js
import { createServer } from 'node:http';
import { createHostApp } from './host-app.js';

const port = Number(process.env.PORT ?? 3000);
const baseUrl = process.env.BASE_URL ?? `http://localhost:${port}`;
const { ROLLCALL_ISSUER: issuer, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret } = process.env;
if (!issuer || !clientId || !clientSecret) {
  console.error('Set ROLLCALL_ISSUER, CLIENT_ID and CLIENT_SECRET (see examples/host-app/README.md)');
  process.exit(2);
}
createServer(createHostApp({ issuer, clientId, clientSecret, baseUrl })).listen(port, () =>
  console.log(`Example host app at ${baseUrl} (redirect URI ${baseUrl}/callback)`),
);
