import { Invitation, PersonSummary, type CreateInvitationRequest } from '@rosin/contracts/teaching';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useServices } from '../../services/services-context';
import { studentKeys } from './students';
import { teacherKeys } from './teachers';

/** Invitation codes: teachers create them, students join with them. */
export const invitationKeys = {
  all: ['invitations'] as const,
};

export function useCreateInvitationMutation() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<CreateInvitationRequest> = {}) =>
      api.request('POST', '/invitations', { body, schema: Invitation }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: studentKeys.all }),
  });
}

export function useAcceptInvitationMutation() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) =>
      api.request('POST', '/invitations/accept', { body: { code }, schema: PersonSummary }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: teacherKeys.all }),
  });
}
