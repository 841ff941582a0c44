// The official SDK: node sdk.mjs BASE_URL N get|post  -> "N wall cpu"
//   node sdk.mjs BASE_URL N chats ACCOUNT,IDS   chats.list, one page each
import BeeperDesktop from '@beeper/desktop-api';

const [base, nArg, mode = 'get', ids = ''] = process.argv.slice(2);
const n = Number(nArg);
const client = new BeeperDesktop({ baseURL: base, accessToken: 'bench-token', maxRetries: 0 });
const GET_PATH = '/v1/bridges/local-telegram/login-sessions/ls_01JDW5Q2M8X4R7T9V3B6N1K0PZ';

const accountIDs = ids.split(',').filter(Boolean);
const listChats = async () => {
  const page = await client.chats.list({ accountIDs });
  if (page.items.length !== 50) throw new Error(`expected 50 chats, got ${page.items.length}`);
  return page;
};

const once = () => mode === 'chats' ? listChats()
  : mode === 'post'
    ? client.post('/v1/app/setup/response', { body: { response: '123456', setupRequestID: 'req_bench_1' } })
    : client.get(GET_PATH);

await once(); // warm-up
const c0 = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < n; i++) {
  const r = await once();
  if (typeof r !== 'object') throw new Error('not an object');
}
const wall = (performance.now() - w0) / 1000;
const c = process.cpuUsage(c0);
console.log(`${n} ${wall.toFixed(6)} ${((c.user + c.system) / 1e6).toFixed(6)}`);
