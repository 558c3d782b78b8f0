// Get Oscar
import { Oscar } from 'oscar-client';
const scientist = new Oscar('API_ACCESS_TOKEN');

// Describe your experiment
const experiment = { name: 'Square', parameters: { x: { min: -10, max: 10 } } };

for (let i = 0; i < 10; i++) {
  // Get next parameters to try from Oscar
  const job = await scientist.suggest(experiment);
  console.log(job.params); // { x: 3.2 }

  // Run your complex, time-consuming algorithm
  const loss = Math.pow(job.params.x, 2);

  // Tell Oscar the result
  await scientist.update(job, { loss });
}
