import { describe, expect, it } from 'vitest'
import { draftLink } from '@/app/features/home/drafts'

describe('draftLink', () => {
  it('resumes each form from the key its draft was saved under', () => {
    expect(draftLink('visit:new')).toEqual({ kind: 'visitNew', to: '/visits/new' })
    expect(draftLink('visit:follows:v1')).toEqual({ kind: 'visitNew', to: '/visits/new?follows=v1' })
    expect(draftLink('visit:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toEqual({
      kind: 'visitEdit',
      to: '/visits/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/edit',
    })
    expect(draftLink('issue:new')).toEqual({ kind: 'issueNew', to: '/issues/new' })
    expect(draftLink('issue:from:i1:exit')).toEqual({ kind: 'issueNew', to: '/issues/new?inspectionId=i1&itemId=exit' })
    expect(draftLink('issue:abc')).toEqual({ kind: 'issueEdit', to: '/issues/abc/edit' })
    expect(draftLink('issue:abc:comment')).toEqual({ kind: 'issueComment', to: '/issues/abc' })
    expect(draftLink('inspection:new')).toEqual({ kind: 'inspectionNew', to: '/inspections/new' })
    expect(draftLink('inspection:abc')).toEqual({ kind: 'inspection', to: '/inspections/abc' })
    expect(draftLink('canvass:new:b-1')).toEqual({ kind: 'canvassNew', to: '/canvasses/new?buildingId=b-1' })
    expect(draftLink('canvass:abc:h-101')).toEqual({ kind: 'canvassAnswer', to: '/canvasses/abc/households/h-101' })
    expect(draftLink('mediation:new:b-1')).toEqual({ kind: 'mediationNew', to: '/mediations/new?buildingId=b-1' })
    expect(draftLink('mediation:abc:session')).toEqual({ kind: 'mediation', to: '/mediations/abc' })
    expect(draftLink('mediation:abc:outcome')).toEqual({ kind: 'mediation', to: '/mediations/abc' })
    expect(draftLink('mentorNote:m-1:visit:v-1')).toEqual({ kind: 'mentorNote', to: '/mentees/m-1' })
  })

  it('offers no link for a key that no form writes', () => {
    for (const key of ['comment:abc', 'visit:', 'visit', ':new', 'visit:abc:extra', 'visit:follows:', 'visit:follows:v1:x', 'issue:from:i1', 'issue:abc:other', 'canvass:new', 'canvass:abc', 'canvass:abc:', 'mediation:new:', 'mediation:abc', 'mediation:abc:other', 'mentorNote:m-1', 'mentorNote:m-1:visit', 'mentorNote:m-1:visit:']) {
      expect(draftLink(key), key).toBeNull()
    }
  })
})
