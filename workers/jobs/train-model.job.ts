import { defineHandler } from '../job-context.ts'

/** `model.train`: fit a model on a labelled cohort and store its metrics; never activates it. */
export const trainModelJob = defineHandler('model.train', ['scoring'], async ({ modelId }, { services }) =>
  services.scoring.runTraining(modelId),
)
