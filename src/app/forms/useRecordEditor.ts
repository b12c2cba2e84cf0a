import { nextTick, useTemplateRef } from 'vue'
import { useRouter } from 'vue-router'
import { useDraftForm, type DraftFormOptions } from './useDraftForm'

export interface RecordEditorOptions<F extends object, Out, Saved> extends DraftFormOptions<F, Out, Saved> {
  /** The address of the saved record's page. */
  detail: (saved: Saved) => string
  /** The form edits a stored record (opened from its page) rather than making a new one. */
  editing: boolean
}

/**
 * The setup every record's edit screen shares: a draft form (useDraftForm) whose save opens the record's page,
 * or else brings the first problem into view (Save sits at the bottom of a long form, the problem may be
 * far above it) or, with no field to blame, the banner saying why. The screen's form element is `ref="form"`.
 */
export function useRecordEditor<F extends object, Out, Saved>(options: RecordEditorOptions<F, Out, Saved>) {
  const router = useRouter()
  const form = useDraftForm(options)
  const formElement = useTemplateRef<HTMLFormElement>('form')

  async function save(): Promise<void> {
    const saved = await form.submit()
    if (saved) {
      const detail = options.detail(saved)
      // An edit opened from the record goes back to it, so that Back afterwards does not show it twice.
      if (options.editing && history.state?.back === detail) router.back()
      else await router.replace(detail)
      return
    }
    await nextTick()
    const problem = formElement.value?.querySelector('.van-field__error-message, .field-error')
    if (problem) problem.scrollIntoView({ block: 'center', behavior: 'smooth' })
    else formElement.value?.scrollIntoView({ block: 'start', behavior: 'smooth' })
  }

  return { ...form, save }
}
