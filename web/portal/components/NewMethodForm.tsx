/**
 * The portal's card and bank entry: the shared form (web/shared/NewMethodForm.tsx) with the
 * portal's tokenization (POST /sandbox/portal-tokens, opened by the contact's session) and its
 * own save (POST /portal/payment-methods). The numbers never reach a portal endpoint.
 */
import { unwrap } from '../../shared/api';
import { type NewMethodFormProps, NewMethodForm as SharedForm } from '../../shared/NewMethodForm';
import { type PortalMethod, portalApi } from '../api';

export type { NewMethodToken } from '../../shared/NewMethodForm';

export function NewMethodForm(
  props: Omit<NewMethodFormProps<PortalMethod>, 'tokenize' | 'save' | 'withFriendlyName'>,
) {
  return (
    <SharedForm<PortalMethod>
      {...props}
      tokenize={async (body) =>
        unwrap(await portalApi.POST('/api/v1/sandbox/portal-tokens', { body }))
      }
      save={async (token, choices) =>
        unwrap(
          await portalApi.POST('/api/v1/portal/payment-methods', {
            body: {
              gateway_token: token,
              authorized: true,
              ...(props.canShareWithChildren && {
                shared_with_children: choices.sharedWithChildren,
              }),
            },
          }),
        )
      }
    />
  );
}
