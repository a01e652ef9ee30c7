import Type from 'typebox'

export const SiteView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  organisationId: Type.String({ format: 'uuid' }),
  organisationName: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  address: Type.String(),
  postcode: Type.String(),
  inseeCode: Type.Union([Type.String(), Type.Null()]),
  communeName: Type.Union([Type.String(), Type.Null()]),
  modalities: Type.Array(Type.String()),
  notes: Type.Union([Type.String(), Type.Null()]),
})
