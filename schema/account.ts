import { builder } from './builder.ts';
import { prisma } from '../server/db.ts';

builder.prismaObject('User', {
  description: 'A person who owns experiments and API tokens.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('me', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'User',
    description: 'The user who owns the token.',
    resolve: (query, _root, _args, ctx) =>
      prisma.user.findUniqueOrThrow({ ...query, where: { id: ctx.viewer.userId } }),
  }),
);
