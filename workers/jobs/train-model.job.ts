import type { JobHandler } from '../registry.ts'

/** `model.train`: fit a model on a labelled cohort and store its metrics; never activates it. */
export const trainModelJob: JobHandler<'model.train'> = async ({ modelId }, { services }) => services.scoring.runTraining(modelId)
