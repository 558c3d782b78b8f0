// `npm run screenshots`: the README's pictures of each dashboard page (docs/screenshots/*.png),
// from a server seeded with a few demo experiments.
import { join } from 'node:path';
import { ROOT } from '../harness.ts';
import { assertPrerequisites, chartsRendered, createExperiment, createUser, launchChromium, origin, signIn, startServer } from './support.ts';
import { seedTrials } from './seed.ts';

const OUT = join(ROOT, 'docs/screenshots');
const EMAIL = 'ada@example.com';
const PASSWORD = 'correct-horse-battery';

assertPrerequisites();
const server = await startServer();
const browser = await launchChromium();
try {
  await createUser(server, EMAIL, PASSWORD);
  const token = await server.token(EMAIL);
  await server.cli('token', 'create', '--email', EMAIL, '--name', 'laptop');
  const small = await createExperiment(server, token, 'resnet-sweep', 'ResNet-18 on CIFAR-10, first sweep');
  await seedTrials({ databaseUrl: server.databaseUrl, experimentId: small, count: 46, spacingMs: 3_600_000, seed: 3 });
  const main = await createExperiment(server, token, 'mnist-cnn', 'Small CNN on MNIST: learning rate, depth, dropout and activation');
  await seedTrials({ databaseUrl: server.databaseUrl, experimentId: main, count: 600, spacingMs: 45_000, running: 4, failedShare: 0.01, seed: 11 });

  const edited = await server.gql(
    `mutation ($id: ID!, $notes: String, $tags: [String!]) { updateExperiment(id: $id, notes: $notes, tags: $tags) { id } }`,
    { id: main, notes: '**Goal:** under 0.5% test error. Dropout above 0.4 hurt in the first sweep; see [the run log](https://example.com/runs).', tags: ['mnist', 'cnn', 'baseline'] },
    token,
  );
  if (edited.errors) throw new Error(`Could not add notes: ${JSON.stringify(edited.errors)}`);

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${origin(server)}/signin`);
  await page.screenshot({ path: join(OUT, 'signin.png') });

  await signIn(page, server, EMAIL, PASSWORD);
  await page.waitForSelector('table tbody tr');
  await page.screenshot({ path: join(OUT, 'experiments.png') });

  await page.goto(`${origin(server)}/experiments/${main}`);
  await page.waitForSelector('[data-trial]');
  await chartsRendered(page);
  await page.waitForFunction(() => document.querySelector('[data-chart="Parameter importance"]')?.getAttribute('data-rendered') === 'true');
  await page.waitForSelector('text=GP prediction');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(OUT, 'trials.png'), fullPage: true });

  await page.goto(`${origin(server)}/compare?ids=${main},${small}`);
  await page.waitForSelector('[data-testid=column]');
  await chartsRendered(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(OUT, 'compare.png'), fullPage: true });

  await page.goto(`${origin(server)}/account`);
  await page.fill('input[aria-label="Token name"]', 'cluster-a');
  await page.click('button:has-text("Create token")');
  await page.waitForSelector('[data-testid=new-token]');
  await page.screenshot({ path: join(OUT, 'account.png') });
  console.log(`wrote signin.png, experiments.png, trials.png, compare.png and account.png to ${OUT}`);
} finally {
  await browser.close();
  await server.stop();
}
