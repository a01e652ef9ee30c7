import Type from 'typebox'
import { USER_ROLES } from '../../db/vocabulary/index.ts'

export const Role = Type.Enum(USER_ROLES)

export const UserView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  fullName: Type.String(),
  role: Role,
  organisationId: Type.String({ format: 'uuid' }),
  organisationName: Type.String(),
  active: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

export const CreateUser = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 200 }),
  fullName: Type.String({ minLength: 2, maxLength: 200 }),
  role: Role,
  organisationId: Type.String({ format: 'uuid' }),
})

export const UpdateUser = Type.Object({
  fullName: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
  role: Type.Optional(Role),
  organisationId: Type.Optional(Type.String({ format: 'uuid' })),
  active: Type.Optional(Type.Boolean()),
})

export const TemporaryPassword = Type.Object({
  temporaryPassword: Type.String({ description: 'shown once; the person must change it at first login' }),
})

export const Login = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 200 }),
  password: Type.String({ minLength: 1, maxLength: 500 }),
})

export const TokenResponse = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresInSeconds: Type.Integer(),
})
