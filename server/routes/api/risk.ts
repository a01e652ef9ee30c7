/**
 * The JSON twins of the risk pages (issue #8): the filtered, keyset-paged risk list, its CSV
 * export and one student's score history. University staff see their own university, admins
 * any; every other role gets 404. Every read is in the audit log (scoring.service.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Readable, pipeline } from 'node:stream'
import Type from 'typebox'
import { ErrorBody, authErrors, notFound } from '../../schemas/common.ts'
import { RiskExportQuery, RiskListQuery, RiskListView, StudentParams, StudentScoresView } from '../../schemas/risk.ts'
import { csvStream } from '../../lib/csv/writer.ts'
import { RISK_ACCESS, listFilters, organisationsOf, universityFor } from '../risk/scope.ts'
import { CSV_HEADER, csvLine, decodeCursor, encodeCursor, toRowView, toScoreView } from '../risk/view.ts'

const order = (sort: string | undefined) => (sort === 'risk_asc' ? ('asc' as const) : ('desc' as const))

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { scoring } = fastify.services

  fastify.get(
    '/risk-scores',
    {
      config: RISK_ACCESS,
      schema: {
        tags: ['risk'],
        summary: 'The risk list: latest scores of a cohort, filtered, highest risk first, keyset-paged',
        description:
          'Pseudonymous ids only. `band=non_evaluable` lists the students the model could not score, with the reason. Pass `nextCursor` back as `after` for the next page.',
        querystring: RiskListQuery,
        response: { 200: RiskListView, 400: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const p = request.requirePrincipal()
      const q = request.query
      const orgs = await organisationsOf(fastify)
      const universityId = universityFor(p, orgs, q.universityId)
      const academicYear = q.academicYear ?? scoring.currentYear()
      const filters = listFilters(universityId, academicYear, { ...q, order: order(q.sort) })
      const after = decodeCursor(q.after)
      const list = await scoring.riskList(request.auditCtx(), { ...filters, limit: q.limit, ...(after ? { after } : {}) })
      const items = list.rows.map((r) => toRowView(r, orgs.territories))
      const last = list.rows.at(-1)
      return {
        universityId,
        academicYear,
        run: list.run
          ? {
              id: list.run.id,
              asOf: list.run.asOf,
              finishedAt: list.run.finishedAt?.toISOString() ?? null,
              students: list.run.students ?? 0,
              scored: list.run.scored,
              nonEvaluable: list.run.nonEvaluable,
              model: list.model,
            }
          : null,
        counts: list.counts,
        items,
        nextCursor: last && list.rows.length === q.limit ? encodeCursor(last) : null,
      }
    },
  )

  fastify.get(
    '/risk-scores.csv',
    {
      config: RISK_ACCESS,
      schema: {
        tags: ['risk'],
        summary: 'The filtered risk list as CSV (UTF-8 with BOM, `;`, formula-safe cells)',
        querystring: RiskExportQuery,
        produces: ['text/csv'],
        response: {
          200: Type.Unsafe<NodeJS.ReadableStream>({ type: 'string', description: 'CSV' }),
          400: ErrorBody,
          ...authErrors,
          ...notFound,
        },
      },
    },
    async (request, reply) => {
      const p = request.requirePrincipal()
      const q = request.query
      const orgs = await organisationsOf(fastify)
      const universityId = universityFor(p, orgs, q.universityId)
      const academicYear = q.academicYear ?? scoring.currentYear()
      const filters = listFilters(universityId, academicYear, { ...q, order: order(q.sort) })
      // The scope is checked before the first byte: a refusal is still a proper 404.
      await scoring.filterOptions(p, universityId, academicYear)
      const ctx = request.auditCtx()
      async function* lines() {
        yield CSV_HEADER
        for await (const row of scoring.exportRows(ctx, filters)) {
          yield csvLine(toRowView(row, orgs.territories))
        }
      }
      const csv = pipeline(Readable.from(lines()), csvStream(), (err) => {
        if (err) {
          request.log.error({ err, reqId: request.id }, 'risk list export failed')
        }
      })
      const day = new Date().toISOString().slice(0, 10)
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="liste-risque-${academicYear.replace('/', '-')}-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(csv)
    },
  )

  fastify.get(
    '/students/:studentId/risk-scores',
    {
      config: RISK_ACCESS,
      schema: {
        tags: ['risk'],
        summary: 'One student’s scores over time (pseudonym and enrolment, never a name)',
        params: StudentParams,
        response: { 200: StudentScoresView, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const { student, history } = await scoring.studentScores(request.auditCtx(), request.params.studentId)
      const orgs = await organisationsOf(fastify)
      return {
        student: {
          studentId: student.studentId,
          pseudoId: student.pseudoId,
          academicYear: student.academicYear,
          faculty: student.faculty,
          stepCode: student.stepCode,
          stepLabel: student.stepLabel,
          level: student.level,
          campus: student.campus,
          territory: student.territoryId ? (orgs.territories.get(student.territoryId) ?? null) : null,
        },
        scores: history.map(toScoreView),
      }
    },
  )
}
export default plugin
